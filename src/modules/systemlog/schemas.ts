import { type Static, Type } from '@sinclair/typebox';
import { LooseObject, StringEnum, searchRequest, Timestamp } from '../../http/schemas.ts';

const EventUid = Type.String({ maxLength: 64, description: 'An event uid (`metadata.uid` of an event).' });

export const ListEventsRequest = searchRequest({
  since: Type.Optional(Timestamp),
  until: Type.Optional(Timestamp),
  sinceEventUid: Type.Optional(EventUid),
  untilEventUid: Type.Optional(EventUid),
  sortDirection: Type.Optional(StringEnum(['SORT_DIRECTION_UNSPECIFIED', 'SORT_DIRECTION_ASC', 'SORT_DIRECTION_DESC'])),
});
export type ListEventsRequest = Static<typeof ListEventsRequest>;

export const ListEventsResponse = Type.Object({ list: Type.Array(LooseObject), nextPageToken: Type.String() });
