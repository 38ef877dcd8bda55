# Peer for the growth-model benchmark: R's lme4 fits
# score ~ weeks + (weeks | client) by REML on the rows Cairn fits.
# Usage: Rscript lme4_fit.R ROWS.csv  (columns client, weeks, score)
# Prints one JSON object: the time of the default lmer() call alone, and
# the estimates of a refit with a stricter optimizer (bobyqa, rhoend
# 1e-12, not timed) for the comparison in cohort_bench.sh, as the
# sleepstudy reference does: the default fit stops with optimizer slack.
suppressMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$client <- factor(d$client)
t0 <- proc.time()[["elapsed"]]
m <- lmer(score ~ weeks + (weeks | client), data = d, REML = TRUE)
t1 <- proc.time()[["elapsed"]]
m <- update(m, control = lmerControl(optimizer = "bobyqa",
                                     optCtrl = list(rhoend = 1e-12)))
fe <- fixef(m)
vc <- as.data.frame(VarCorr(m))
sd_int <- vc$sdcor[vc$grp == "client" & vc$var1 == "(Intercept)" & is.na(vc$var2)]
sd_wk <- vc$sdcor[vc$grp == "client" & vc$var1 == "weeks" & is.na(vc$var2)]
corr <- vc$sdcor[vc$grp == "client" & !is.na(vc$var2)]
sigma <- sigma(m)
cat(sprintf(paste0('{"seconds": %.3f, "intercept": %.12g, "weeks": %.12g, ',
                   '"sd_intercept": %.12g, "sd_weeks": %.12g, "corr": %.12g, ',
                   '"sigma": %.12g, "reml_criterion": %.12g, "n": %d}\n'),
            t1 - t0, fe[[1]], fe[[2]], sd_int, sd_wk, corr, sigma,
            REMLcrit(m), nrow(d)))
