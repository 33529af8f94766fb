import Foundation

/// The one JSON dialect Sopz speaks everywhere: camelCase keys, RFC 3339 timestamps with
/// milliseconds, sorted keys (stable bytes for signatures and tests).
public enum JSONCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            if let date = date(from: try container.decode(String.self)) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 timestamp")
        }
        return decoder
    }

    /// The time an RFC 3339 timestamp names (with or without fractional seconds); nil for
    /// anything else.
    public static func date(from text: String) -> Date? {
        if let date = (try? timestampStyle.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text)) {
            return date
        }
        // RFC 3339 allows any offset up to ±23:59; a Foundation time zone holds ±18:00 at most.
        // Read such a time as UTC, then take the offset off by hand.
        let offset = Array(text.suffix(6))
        guard offset.count == 6, offset[0] == "+" || offset[0] == "-", offset[3] == ":",
            [1, 2, 4, 5].allSatisfy({ offset[$0].isASCII && offset[$0].isNumber }),
            let hours = Int(String(offset[1...2])), let minutes = Int(String(offset[4...5])), hours < 24, minutes < 60,
            let local = date(from: text.dropLast(6) + "Z")
        else { return nil }
        let seconds = Double(hours * 3_600 + minutes * 60)
        return local.addingTimeInterval(offset[0] == "+" ? -seconds : seconds)
    }

    /// `date` as an RFC 3339 timestamp with milliseconds, e.g. `2027-01-15T08:00:00.125Z`,
    /// rounded to the nearest millisecond. (The format style truncates, and a time read back
    /// from PostgreSQL as a `Double` is often a hair below the millisecond it was written as:
    /// truncated, `.984` would come back `.983`, and the read model would differ from the write
    /// model it was built from.)
    public static func timestamp(_ date: Date) -> String { date.addingTimeInterval(0.000_5).formatted(timestampStyle) }

    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
