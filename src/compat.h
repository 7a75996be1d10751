/*
 * compat.h
 *	  The one place for what differs between the PostgreSQL majors salesalgo
 *	  builds against (15 and 17 are tested; 16 has the same interfaces as
 *	  17 here).
 */
#ifndef SALESALGO_COMPAT_H
#define SALESALGO_COMPAT_H

#include "utils/datetime.h"
#include "utils/guc.h"

/*
 * A GUC check hook's extra: 16 and later keep GUC memory in a context of
 * their own and free extra with guc_free(), so it must come from
 * guc_malloc(); 15 frees it with free() and does not export guc_malloc().
 */
#if PG_VERSION_NUM < 160000
static inline void *
guc_malloc(int elevel, size_t size)
{
	void	   *data = malloc(size);

	if (data == NULL)
		ereport(elevel,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return data;
}
#endif

/*
 * DecodeDateTime() reports bad input by its return value; 16 added an
 * argument for the details of the error, which salesalgo does not show.
 */
static inline int
DecodeDateTimeNoDetail(char **field, int *ftype, int nf, int *dtype,
					   struct pg_tm *tm, fsec_t *fsec, int *tzp)
{
#if PG_VERSION_NUM >= 160000
	DateTimeErrorExtra extra;

	return DecodeDateTime(field, ftype, nf, dtype, tm, fsec, tzp, &extra);
#else
	return DecodeDateTime(field, ftype, nf, dtype, tm, fsec, tzp);
#endif
}

#endif							/* SALESALGO_COMPAT_H */
