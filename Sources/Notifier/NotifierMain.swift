@main struct NotifierMain { static func main() {} }
