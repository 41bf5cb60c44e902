import FieldSyncBenchmarks

FieldSyncBench.main()
