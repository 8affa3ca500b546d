module offshoot-bench

go 1.19
