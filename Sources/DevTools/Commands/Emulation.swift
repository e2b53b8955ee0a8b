/// Commands of the CDP `Emulation` domain.
public enum EmulationCommands {
    /// `Emulation.setDeviceMetricsOverride`: fixes the viewport and device scale factor.
    public struct SetDeviceMetricsOverride: DevToolsCommand {
        public static let method = "Emulation.setDeviceMetricsOverride"
        public typealias Result = NoResult
        public let width: Int
        public let height: Int
        public let deviceScaleFactor: Double
        public let mobile: Bool
        public init(width: Int, height: Int, deviceScaleFactor: Double, mobile: Bool = false) {
            self.width = width; self.height = height
            self.deviceScaleFactor = deviceScaleFactor; self.mobile = mobile
        }
    }

    /// `Emulation.setTimezoneOverride` (an IANA id such as `Europe/Amsterdam`).
    public struct SetTimezoneOverride: DevToolsCommand {
        public static let method = "Emulation.setTimezoneOverride"
        public typealias Result = NoResult
        public let timezoneId: String
        public init(timezoneId: String) { self.timezoneId = timezoneId }
    }

    /// `Emulation.setLocaleOverride` (an ICU locale such as `nl_NL`).
    public struct SetLocaleOverride: DevToolsCommand {
        public static let method = "Emulation.setLocaleOverride"
        public typealias Result = NoResult
        public let locale: String
        public init(locale: String) { self.locale = locale }
    }

    /// `Emulation.setUserAgentOverride`, which also sets `Accept-Language`.
    public struct SetUserAgentOverride: DevToolsCommand {
        public static let method = "Emulation.setUserAgentOverride"
        public typealias Result = NoResult
        public let userAgent: String
        public let acceptLanguage: String?
        public init(userAgent: String, acceptLanguage: String?) {
            self.userAgent = userAgent
            self.acceptLanguage = acceptLanguage
        }
    }

    /// `Emulation.setEmulatedMedia` (`screen` or `print`).
    public struct SetEmulatedMedia: DevToolsCommand {
        public static let method = "Emulation.setEmulatedMedia"
        public typealias Result = NoResult
        public let media: String
        public init(media: String) { self.media = media }
    }
}
