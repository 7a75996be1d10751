/*
 * module.c
 *	  The shared library's entry point: the settings and the caches that
 *	  live as long as the backend.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "clock.h"
#include "rules.h"
#include "statement.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineClockSetting();
	InitRulesCache();
	InitStatements();
	MarkGUCPrefixReserved("salesalgo");
}
