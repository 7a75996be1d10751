/*
 * clock.h
 *	  The time salesalgo writes: the transaction's start, or the simulated
 *	  clock of the salesalgo.now setting.
 */
#ifndef SALESALGO_CLOCK_H
#define SALESALGO_CLOCK_H

#include "datatype/timestamp.h"

extern void DefineClockSetting(void);
extern TimestampTz SalesNow(void);
extern TimestampTz SalesStatementNow(void);
extern TimestampTz AddDays(TimestampTz from, int days);

#endif							/* SALESALGO_CLOCK_H */
