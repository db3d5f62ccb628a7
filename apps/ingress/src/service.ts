import { ServiceOptions } from '@firebreak/platform';

export const SERVICE: ServiceOptions<Record<never, never>> = { app: 'ingress' };
