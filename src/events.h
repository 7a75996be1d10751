/*
 * events.h
 *	  Live events: NOTIFY salesalgo_events for every change of a client's
 *	  state or manager.
 */
#ifndef SALESALGO_EVENTS_H
#define SALESALGO_EVENTS_H

#include "history.h"

#define EVENTS_CHANNEL "salesalgo_events"

extern bool ChangeIsEvent(const ClientSide *before, const ClientSide *after);
extern void AnnounceChange(int64 client_id, const ClientSide *before,
						   const ClientSide *after);

#endif							/* SALESALGO_EVENTS_H */
