/// How Sopz measures and judges text, in JSON Schema's terms, so the OpenAPI document states
/// exactly the rules the code applies: a length is a number of Unicode code points (as
/// `maxLength` counts), and text is blank when it holds only the whitespace below.
public enum TextRules {
    /// Blank characters: ECMA-262's WhiteSpace and LineTerminator (what `\s` matches in the
    /// JSON Schema dialect), written out so no regex dialect's own idea of `\s` matters.
    static let blankRanges: [ClosedRange<UInt32>] = [
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029,
        0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ]

    /// Code points, as JSON Schema's `minLength` and `maxLength` count them.
    public static func length(_ text: String) -> Int { text.unicodeScalars.count }

    public static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        blankRanges.contains { $0.contains(scalar.value) }
    }

    /// True when `text` is empty or all blank.
    public static func isBlank(_ text: String) -> Bool { text.unicodeScalars.allSatisfy(isBlank) }

    /// The JSON Schema `pattern` that text which is not blank matches (somewhere: patterns are
    /// not anchored).
    public static let notBlankPattern: String = {
        func escaped(_ value: UInt32) -> String {
            let hex = String(value, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
        let ranges = blankRanges.map { range in
            range.lowerBound == range.upperBound
                ? escaped(range.lowerBound) : escaped(range.lowerBound) + "-" + escaped(range.upperBound)
        }
        return "[^" + ranges.joined() + "]"
    }()
}
