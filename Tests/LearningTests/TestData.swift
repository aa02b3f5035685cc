import Foundation
import Testing

/// Real data for tests, found through one environment variable, `SEEDFARM_TEST_DATA`: a
/// directory in the standard IDX layout holding mnist-subset (e.g.
/// /work/shared/data/mnist-subset). Unset, real-data tests are skipped and say why; set to
/// a place that is missing or unreadable, they fail.
enum TestData {
    static let variable = "SEEDFARM_TEST_DATA"

    /// The variable's value, if set and not empty.
    static var directory: String? {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return nil }
        return value
    }

    /// The trait for tests that need real data: `@Test(TestData.required)`.
    static var required: ConditionTrait {
        .enabled(
            if: directory != nil,
            "SEEDFARM_TEST_DATA not set: set it to an IDX directory such as /work/shared/data/mnist-subset to run real-data tests")
    }

    /// The directory, which must exist: a test calling this fails when it does not.
    static func requireDirectory() throws -> String {
        let path = try #require(directory, "\(variable) is not set")
        var isDirectory: ObjCBool = false
        try #require(
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue,
            "\(variable)=\(path) is not a directory")
        // Absolute, so child processes started in other directories find it too.
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
