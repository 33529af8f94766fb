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
        (try? timestampStyle.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    /// `date` as an RFC 3339 timestamp with milliseconds, e.g. `2027-01-15T08:00:00.125Z`,
    /// rounded to the nearest millisecond. (The format style truncates, and a time read back
    /// from PostgreSQL as a `Double` is often a hair below the millisecond it was written as:
    /// truncated, `.984` would come back `.983`, and the read model would differ from the write
    /// model it was built from.)
    public static func timestamp(_ date: Date) -> String { date.addingTimeInterval(0.000_5).formatted(timestampStyle) }

    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
