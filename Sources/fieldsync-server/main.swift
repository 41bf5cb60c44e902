import FieldSyncServer
import Logging

// The executable owns the process: it chooses where logs go; the libraries only take a Logger.
LoggingSystem.bootstrap(StreamLogHandler.standardError)
await FieldSyncServerCommand.mainAsync()
