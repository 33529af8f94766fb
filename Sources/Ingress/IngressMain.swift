import Hummingbird
import HummingbirdHTTP2
import HummingbirdTLS
import JWTKit
import AsyncHTTPClient
@main struct IngressMain { static func main() {} }
