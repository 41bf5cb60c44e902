import FieldSyncCLI

await FieldSyncCommand.run()
