import Foundation

/// Where datasets live and how a name or a directory becomes a `DatasetPair`
/// (experiment.md, "Data", "Datasets"). A name is looked for, in order, in
/// `$SEEDFARM_DATA/<name>`, the user cache (`$XDG_CACHE_HOME/seedfarm/<name>`, else
/// `~/.cache/seedfarm/<name>`), then a place of its own (Debian's Fashion-MNIST package;
/// `../shared/data/mnist-subset` beside the working directory). The first directory holding
/// all four IDX files wins; a directory that has them but fails to read is an error, not a
/// reason to look further.
public enum DatasetCatalogue {
    /// The datasets the catalogue knows by name.
    public enum Name: String, Sendable, CaseIterable {
        case mnist
        case mnistSubset = "mnist-subset"
        case fashionMNIST = "fashion-mnist"
        case synthetic
    }

    /// The known names, in the order error messages list them.
    public static var knownNames: [String] { Name.allCases.map(\.rawValue) }
    /// Used when neither a name nor a directory is given: the data the reference figures
    /// of experiment.md were made on, and present on these machines.
    public static let defaultName = Name.mnistSubset
    /// The environment variable naming a directory of datasets by name.
    public static let dataVariable = "SEEDFARM_DATA"
    /// Where Debian's `dataset-fashion-mnist` installs the files.
    public static let debianFashionMNIST = "/usr/share/datasets/fashion-mnist"

    /// The dataset named `name`, or the one in `directory` (any directory in the standard
    /// layout); not both. Neither means `defaultName`. `synthetic` is generated from
    /// `SyntheticData.defaultSeed`. `environment` and `currentDirectory` are parameters so
    /// that tests can say where to look.
    public static func load(
        name: String?, directory: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(DataError) -> DatasetPair {
        switch (name, directory) {
        case (let name?, let directory?):
            throw .conflictingSources(name: name, directory: directory)
        case (nil, let directory?):
            return try IDXReader.loadDirectory(directory)
        case (let name, nil):
            let known = try resolve(name: name ?? defaultName.rawValue)
            if known == .synthetic { return SyntheticData.make(seed: SyntheticData.defaultSeed) }
            let found = try locate(known, environment: environment, currentDirectory: currentDirectory)
            return try IDXReader.loadDirectory(found)
        }
    }

    /// The known dataset spelled `name`.
    public static func resolve(name: String) throws(DataError) -> Name {
        guard let known = Name(rawValue: name) else {
            throw .unknownDataset(name: name, known: knownNames)
        }
        return known
    }

    /// The first complete directory for `name` among `searchPaths`; `.datasetNotFound`
    /// listing every place and what was wrong there when none is.
    public static func locate(
        _ name: Name, environment: [String: String], currentDirectory: String
    ) throws(DataError) -> String {
        var searched: [SearchedPlace] = []
        if nonEmpty(environment[dataVariable]) == nil {
            searched.append(SearchedPlace(path: "$\(dataVariable)/\(name.rawValue)", finding: "\(dataVariable) is not set"))
        }
        for path in searchPaths(for: name, environment: environment, currentDirectory: currentDirectory) {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                searched.append(SearchedPlace(path: path, finding: "does not exist"))
            } else if !isDirectory.boolValue {
                searched.append(SearchedPlace(path: path, finding: "is not a directory"))
            } else {
                let missing = IDXReader.missingFiles(in: path)
                if missing.isEmpty { return path }
                searched.append(SearchedPlace(path: path, finding: "lacks " + missing.joined(separator: ", ")))
            }
        }
        throw .datasetNotFound(
            name: name.rawValue, searched: searched,
            advice: advice(for: name, environment: environment))
    }

    /// The directories searched for `name`, in order (`synthetic` has none).
    public static func searchPaths(
        for name: Name, environment: [String: String], currentDirectory: String
    ) -> [String] {
        guard name != .synthetic else { return [] }
        var paths: [String] = []
        if let root = nonEmpty(environment[dataVariable]) {
            paths.append(join(root, name.rawValue))
        }
        paths.append(join(cacheDirectory(environment: environment), name.rawValue))
        switch name {
        case .fashionMNIST:
            paths.append(debianFashionMNIST)
        case .mnistSubset:
            paths.append((join(currentDirectory, "../shared/data/mnist-subset") as NSString).standardizingPath)
        case .mnist, .synthetic:
            break
        }
        return paths
    }

    /// `$XDG_CACHE_HOME/seedfarm`, else `$HOME/.cache/seedfarm` (XDG Base Directory spec).
    public static func cacheDirectory(environment: [String: String]) -> String {
        if let xdg = nonEmpty(environment["XDG_CACHE_HOME"]) {
            return join(xdg, "seedfarm")
        }
        let home = nonEmpty(environment["HOME"]) ?? NSHomeDirectory()
        return join(home, ".cache/seedfarm")
    }

    /// What a person can do when `name` is not found.
    private static func advice(for name: Name, environment: [String: String]) -> String {
        let cache = join(cacheDirectory(environment: environment), name.rawValue)
        let common = "or set \(dataVariable) to a directory holding \(name.rawValue)/, or use --data DIR"
        switch name {
        case .mnist:
            return "The full MNIST is not on this machine: `coordinator sweep` downloads it into "
                + "\(cache) (checking the published MD5s), or put the four IDX files there, \(common); "
                + "or use --dataset mnist-subset or --dataset fashion-mnist."
        case .fashionMNIST:
            return "Install it with `apt-get install dataset-fashion-mnist`, or put the four IDX "
                + "files in \(cache), \(common)."
        case .mnistSubset:
            return "Run from a directory beside shared/ (so ../shared/data/mnist-subset exists), "
                + "\(common); or use --dataset fashion-mnist."
        case .synthetic:
            return "synthetic is generated in-process and needs no files."
        }
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    private static func join(_ directory: String, _ component: String) -> String {
        (directory as NSString).appendingPathComponent(component)
    }
}
