import FieldSyncBenchmarks

await FieldSyncBench.mainAsync()
