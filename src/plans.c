/*
 * plans.c
 *	  SPI plans prepared once and kept for the backend's life, as
 *	  PostgreSQL's foreign-key triggers keep theirs: the plan cache replans
 *	  them when the tables they name change.
 */
#include "postgres.h"

#include "executor/spi.h"

#include "plans.h"

SPIPlanPtr
PrepareKept(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
}
