PG_CONFIG ?= pg_config

# salesalgo: built with PGXS.  See README.md for the two commands that set
# up a machine, and "make installcheck" against a running server.

EXTENSION = salesalgo
MODULE_big = salesalgo
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA = $(wildcard sql/salesalgo--*.sql)
PGFILEDESC = "salesalgo - sales pipeline rules kept by the database"

# -Wextra, less unused parameters: PostgreSQL's callbacks dictate them.
# The server's headers are system headers here, so that their own -Wextra
# warnings do not hide ours.
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server)

# pg_regress suites in sql/ and expected/, in the order they run.
REGRESS = setup types types_input types_binary types_index \
	transitions worklist_cap deadlines history bulk expire leads views \
	security check

# 1.2, reliability: per-statement rules, upserts, savepoints, NULLs
REGRESS += savepoints upsert nulls history_time trigger_misuse

# 1.2, internal writes as the real user, trigger functions on their own table
REGRESS +=

# 1.2, events and expiry
REGRESS += events_expire

# 1.2, the surface: any connection, BI, views
REGRESS += surface surface_access

# 1.2, platforms
REGRESS +=

# 1.2, the book's rules: client size from size rules
REGRESS += sizes

# 1.2, the book's rules: recall pool, early warning, managers' views
REGRESS += recall

# 1.2, reports at a department's size: trial_report, trial_series, funnel
REGRESS += reports

# 1.2, calibration: the model's history and what-if
REGRESS += whatif

# 1.2, the funnel and stage times kept by the triggers
REGRESS += funnel_kept

# 1.2, the trial report in one pass
REGRESS += trial_pass history_index

# 1.2, what-if at a department's size
REGRESS += whatif_category whatif_monotonicity whatif_order
REGRESS_OPTS = --load-extension=salesalgo

# Isolation specs in test/specs, expected output in test/expected.
ISOLATION = $(notdir $(basename $(sort $(wildcard test/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test --load-extension=salesalgo

# TAP tests (PostgreSQL::Test::Cluster) in test/t.
TAP_TESTS = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))

EXTRA_CLEAN = results output_iso tmp_check log regression.diffs regression.out

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# One target per suite, so that ./run can run all three even when one fails
# and count each; "make installcheck" runs them in a row as usual.
.PHONY: installcheck-regress installcheck-isolation installcheck-tap
installcheck-regress:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)
installcheck-isolation:
ifneq ($(ISOLATION),)
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)
endif
installcheck-tap:
ifneq ($(PROVE_TESTS),)
	$(prove_installcheck)
endif
