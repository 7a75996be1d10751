/*
 * events.h
 *	  Live events: one doorbell on channel salesalgo_events per committed
 *	  transaction that wrote history, when settings.notify_events is on.
 */
#ifndef SALESALGO_EVENTS_H
#define SALESALGO_EVENTS_H

#define EVENTS_CHANNEL "salesalgo_events"

extern void RingAtCommit(void);

#endif							/* SALESALGO_EVENTS_H */
