/*
 * module.c
 *	  The shared library's entry point: the settings and the caches that
 *	  live as long as the backend.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "clock.h"
#include "guard.h"
#include "rules.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineClockSetting();
	InitRulesCache();
	InitGuards();
	MarkGUCPrefixReserved("salesalgo");
}
