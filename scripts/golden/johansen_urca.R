# Johansen reference values from R's urca::ca.jo (Pfaff), a cross-check independent of statsmodels.
#
# On the log closes of the first three symbols of each research data set (tests/fixtures/research/<set>),
# writes tests/fixtures/research/johansen-urca.json with the eigenvalues and the trace and maximum-eigenvalue
# statistics (ordered r = 0, 1, 2) of ca.jo(spec = "transitory", K = k_ar_diff + 1) for
#   ecdet = "none":  an unrestricted constant (case 3), the model statsmodels' det_order 0 computes;
#   ecdet = "trend": a trend restricted to the cointegrating relations (case 4), which statsmodels' det_order 1
#                    only approximates (it detrends the levels first), kept to document the difference.
# urca has no model without any constant (statsmodels' det_order -1), so that case has no cross-check here.
#
# Run with Debian's R (r-base-core, r-cran-urca, r-cran-jsonlite):
#     Rscript scripts/golden/johansen_urca.R
suppressMessages({
  library(urca)
  library(jsonlite)
})
root <- file.path("tests", "fixtures", "research")
sets <- list(A = c("KO", "PEP", "MRV"), B = c("AAA", "BBB", "CCC"))
out <- list(source = paste("R urca", as.character(packageVersion("urca"))), sets = list())
for (set in names(sets)) {
  x <- sapply(sets[[set]], function(s) log(read.csv(file.path(root, set, paste0(s, ".csv")))$close))
  cases <- list()
  for (ecdet in c("none", "trend")) {
    for (k in 1:2) {
      tr <- ca.jo(x, type = "trace", ecdet = ecdet, K = k + 1, spec = "transitory")
      me <- ca.jo(x, type = "eigen", ecdet = ecdet, K = k + 1, spec = "transitory")
      m <- ncol(x)
      cases[[paste0(ecdet, "|", k)]] <- list(
        eigenvalues = unname(tr@lambda[1:m]),
        trace = unname(rev(tr@teststat)),
        max_eigen = unname(rev(me@teststat))
      )
    }
  }
  out$sets[[set]] <- list(symbols = sets[[set]], cases = cases)
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), file.path(root, "johansen-urca.json"))
cat("wrote", file.path(root, "johansen-urca.json"), "\n")
