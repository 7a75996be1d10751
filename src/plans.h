/*
 * plans.h
 *	  SPI plans prepared once and kept for the backend's life.
 */
#ifndef SALESALGO_PLANS_H
#define SALESALGO_PLANS_H

#include "executor/spi.h"

extern SPIPlanPtr PrepareKept(const char *sql, int nargs, Oid *argtypes);

#endif							/* SALESALGO_PLANS_H */
