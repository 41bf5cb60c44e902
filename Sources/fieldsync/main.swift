import FieldSyncCLI

FieldSyncCommand.run()
