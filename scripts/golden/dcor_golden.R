# Distance correlation reference values from R's energy package (Rizzo & Szekely), independent of our code.
#
# Reads the research data sets (tests/fixtures/research/<set>/<SYM>.csv), takes simple returns of the close,
# and writes tests/fixtures/research/dcor-energy.json with, for every pair of symbols, energy::dcor (the
# V-statistic distance correlation) and energy::bcdcor (the bias-corrected squared distance correlation),
# plus cases that pin the definition: a series against itself (1), against 10x itself and a shifted copy
# (scale and shift invariance), rounded returns (many ties), and a 1,500-point non-linear relation whose
# Pearson correlation is near 0 (its x and y are written out).
#
# Run with Debian's R (r-base-core, r-cran-energy, r-cran-jsonlite):
#     Rscript scripts/golden/dcor_golden.R
suppressMessages({
  library(energy)
  library(jsonlite)
})
root <- file.path("tests", "fixtures", "research")

returns_of <- function(set, symbol) {
  close <- read.csv(file.path(root, set, paste0(symbol, ".csv")))$close
  close[-1] / close[-length(close)] - 1
}

sets <- list(A = c("KO", "PEP", "MRV", "SPY", "QQQ", "XLE"), B = c("AAA", "BBB", "CCC", "DDD"))
out <- list(source = paste("R energy", as.character(packageVersion("energy"))), sets = list())
for (set in names(sets)) {
  symbols <- sets[[set]]
  r <- lapply(symbols, function(s) returns_of(set, s))
  n <- length(symbols)
  dc <- matrix(0, n, n)
  bc <- matrix(0, n, n)
  for (i in seq_len(n)) for (j in seq_len(n)) {
    dc[i, j] <- dcor(r[[i]], r[[j]])
    bc[i, j] <- bcdcor(r[[i]], r[[j]])
  }
  first <- r[[1]]
  second <- r[[2]]
  rounded <- round(first, 3)
  out$sets[[set]] <- list(
    symbols = symbols,
    dcor = dc,
    bcdcor = bc,
    self = dcor(first, first),
    scaled = dcor(first, 10 * first),
    shifted_scaled = dcor(first, 0.5 + 3 * second),
    ties = list(rounded_decimals = 3, dcor = dcor(rounded, second), bcdcor = bcdcor(rounded, second))
  )
}

set.seed(20161)
# Rounded to the 15 significant digits jsonlite writes, so the test reads exactly the numbers used here.
x <- signif(rnorm(1500), 15)
y <- signif(x^2 + rnorm(1500, sd = 0.5), 15)
out$nonlinear <- list(x = x, y = y, pearson = cor(x, y), dcor = dcor(x, y), bcdcor = bcdcor(x, y))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), file.path(root, "dcor-energy.json"))
cat("wrote", file.path(root, "dcor-energy.json"), "\n")
