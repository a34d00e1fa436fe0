import type { EnumRef } from '@pothos/core';
import type {
  ContainerOrderField,
  ContainerRequestOrderField,
  OrderDirection,
} from '../domain/list-order.js';
import { builder, type SchemaTypes } from './builder.js';

export const ContainerRequestStateEnum = builder.enumType('ContainerRequestState', {
  description: 'Where a container request is in its life: UNCOMMITTED → COMMITTED → FINAL.',
  values: {
    UNCOMMITTED: { description: 'A draft: every field may change; nothing runs.' },
    COMMITTED: { description: 'Submitted: it has (or is getting) a container; priority may change.' },
    FINAL: {
      description:
        'Done: its container finished (log and output copied), or it was cancelled before running.',
    },
  } as const,
});

export const ContainerStateEnum = builder.enumType('ContainerState', {
  description: 'Where a container is in its life: QUEUED → LOCKED → RUNNING → COMPLETE, or CANCELLED.',
  values: {
    QUEUED: { description: 'Waiting for a dispatcher.' },
    LOCKED: { description: 'Taken by a dispatcher (lockedByUuid), not started yet.' },
    RUNNING: { description: 'Started by its dispatcher.' },
    COMPLETE: { description: 'Finished, with an exitCode (final).' },
    CANCELLED: { description: 'Stopped before completing (final); its requests may be retried.' },
  } as const,
});

const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'A sort direction.',
  values: {
    ASC: { description: 'Smallest (oldest, lowest) first.' },
    DESC: { description: 'Largest (newest, highest) first.' },
  } satisfies Record<OrderDirection, unknown>,
});

const ContainerOrderFieldEnum = builder.enumType('ContainerOrderField', {
  description: 'What a list of containers can be sorted by.',
  values: {
    CREATED_AT: { description: 'Creation time.' },
    PRIORITY: {
      description:
        'Priority: with DESC, what a dispatcher runs first (served by an index with the state filter).',
    },
  } satisfies Record<ContainerOrderField, unknown>,
});

const ContainerRequestOrderFieldEnum = builder.enumType('ContainerRequestOrderField', {
  description: 'What a list of container requests can be sorted by.',
  values: {
    CREATED_AT: { description: 'Creation time.' },
    MODIFIED_AT: { description: 'Time of the last change.' },
  } satisfies Record<ContainerRequestOrderField, unknown>,
});

/** An order input: one field of `fields`, one direction (ties by uuid, the same way). */
function orderInput<F extends string>(name: string, of: string, fields: EnumRef<SchemaTypes, F>) {
  return builder.inputType(name, {
    description: `How to sort a list of ${of}; ties are broken by uuid in the same direction.`,
    fields: (t) => ({
      field: t.field({ type: fields, required: true, description: 'What to sort by.' }),
      direction: t.field({ type: OrderDirectionEnum, required: true, description: 'Which way.' }),
    }),
  });
}

export const ContainerOrder = orderInput<ContainerOrderField>(
  'ContainerOrder',
  'containers',
  ContainerOrderFieldEnum,
);
export const ContainerRequestOrder = orderInput<ContainerRequestOrderField>(
  'ContainerRequestOrder',
  'container requests',
  ContainerRequestOrderFieldEnum,
);
