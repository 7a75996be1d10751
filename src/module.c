/*
 * module.c
 *	  The shared library's entry point.
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
