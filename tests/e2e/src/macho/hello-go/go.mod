module sigtrace.test/e2e/hello

go 1.19
