import Testing

extension Trait where Self == TimeLimitTrait {
    /// A time limit that catches a hang, never a slow machine. The whole suite runs in one process:
    /// on CI's 2 cores some forty tests start a browser in the first seconds and share the launch
    /// gate and the cores, so a capture that takes 10 s alone took over two minutes there (three
    /// tests with a 2-minute limit failed at 125 s while nothing hung), and the real-page suite's
    /// five captures in a row took over 8 minutes on a machine that was also compiling. A hang
    /// still ends the run well inside CI's 90 minutes. Speed belongs to Benchmarks/.
    public static var hangGuard: Self { .timeLimit(.minutes(15)) }
}
