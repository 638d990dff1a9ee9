/** Every fan-out instance joins this consumer group on gateway.events.v1. Never rename it: offsets live under it. */
export const FANOUT_GROUP_ID = 'fanout';
