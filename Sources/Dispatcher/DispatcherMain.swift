@main struct DispatcherMain { static func main() {} }
