/** The service's validated config object (base settings plus its own). */
export const CONFIG = Symbol('firebreak:config');
/** The service's root pino logger. */
export const LOGGER = Symbol('firebreak:logger');
