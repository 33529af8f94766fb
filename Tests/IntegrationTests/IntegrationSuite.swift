import Testing

/// Every suite that touches the shared RabbitMQ and PostgreSQL is nested here and runs one
/// test at a time: fault tests stop and start those servers.
@Suite(.serialized) enum Integration {}
