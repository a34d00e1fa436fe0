import { builder } from './builder.js';

export const ContainerRequestStateEnum = builder.enumType('ContainerRequestState', {
  values: ['UNCOMMITTED', 'COMMITTED', 'FINAL'] as const,
});

export const ContainerStateEnum = builder.enumType('ContainerState', {
  values: ['QUEUED', 'LOCKED', 'RUNNING', 'COMPLETE', 'CANCELLED'] as const,
});

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  values: ['ASC', 'DESC'] as const,
});
