module ctxcheck.example/gobench

go 1.19
