/*
 * restore.h
 *	  Whether this session is loading a dump.
 */
#ifndef SALESALGO_RESTORE_H
#define SALESALGO_RESTORE_H

extern bool RestoringDump(void);

#endif							/* SALESALGO_RESTORE_H */
