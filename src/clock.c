/*
 * clock.c
 *	  The simulated clock.
 *
 * SET salesalgo.now = '2026-01-01 09:00+03' makes every timestamp salesalgo
 * writes, and every default as_of, that time in this session, so that tests
 * and the demo can live forty days in a minute.  Only superusers may set it:
 * a manager with a clock of his own could stretch any deadline.  Empty means
 * the real clock, which is the transaction's start, as now() is.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "compat.h"

static char *simulated_now_text = NULL;
static bool simulated = false;
static TimestampTz simulated_now = 0;

/*
 * Parses the setting once, when it is set, not at every use.  The parse
 * reports bad input by return codes, as timestamptz_in's own steps do: a
 * check hook must not catch an error, since nothing would roll back what
 * the failed call left half-done.
 */
static bool
CheckSimulatedNow(char **newval, void **extra, GucSource source)
{
	TimestampTz *parsed;
	TimestampTz value;
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype = -1;
	int			tz = 0;
	struct pg_tm tm;
	fsec_t		fsec;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;

	if (ParseDateTime(*newval, workbuf, sizeof(workbuf),
					  field, ftype, MAXDATEFIELDS, &nf) != 0 ||
		DecodeDateTimeNoDetail(field, ftype, nf, &dtype, &tm, &fsec, &tz) != 0 ||
		(dtype != DTK_DATE && dtype != DTK_EPOCH))
	{
		/* "infinity" and "-infinity" decode, as DTK_LATE and DTK_EARLY */
		if (dtype == DTK_LATE || dtype == DTK_EARLY)
		{
			GUC_check_errdetail("The simulated clock must show a finite time.");
			return false;
		}
		GUC_check_errdetail("It is not a timestamp with time zone.");
		GUC_check_errhint("Use a timestamp with time zone, such as '2026-01-01 09:00+03', or '' for the real clock.");
		return false;
	}
	if (dtype == DTK_EPOCH)
		value = SetEpochTimestamp();
	else if (tm2timestamp(&tm, fsec, &tz, &value) != 0 || !IS_VALID_TIMESTAMP(value))
	{
		GUC_check_errdetail("The time is out of the range of timestamp with time zone.");
		return false;
	}

	parsed = (TimestampTz *) guc_malloc(LOG, sizeof(TimestampTz));
	if (parsed == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		return false;
	}
	*parsed = value;
	*extra = parsed;
	return true;
}

static void
AssignSimulatedNow(const char *newval, void *extra)
{
	simulated = (extra != NULL);
	if (simulated)
		simulated_now = *(TimestampTz *) extra;
}

void
DefineClockSetting(void)
{
	DefineCustomStringVariable("salesalgo.now",
							   "Simulated time for every timestamp salesalgo writes.",
							   "Empty means the real clock: the start of the transaction.",
							   &simulated_now_text,
							   "",
							   PGC_SUSET,
							   0,
							   CheckSimulatedNow,
							   AssignSimulatedNow,
							   NULL);
}

TimestampTz
SalesNow(void)
{
	return simulated ? simulated_now : GetCurrentTransactionStartTimestamp();
}

/*
 * The time of the statement under way, for what it writes: its start, as
 * statement_timestamp() is, or the simulated clock.  A long transaction
 * cannot date a change before the statement that made it.
 */
TimestampTz
SalesStatementNow(void)
{
	return simulated ? simulated_now : GetCurrentStatementStartTimestamp();
}

/* Calendar days in the session's time zone, as timestamptz + interval. */
TimestampTz
AddDays(TimestampTz from, int days)
{
	Interval	span = {0};

	span.day = days;
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												   TimestampTzGetDatum(from),
												   IntervalPGetDatum(&span)));
}

PG_FUNCTION_INFO_V1(salesalgo_now);
Datum
salesalgo_now(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(SalesNow());
}
