/** The one time source of application code (`CLOCK` in `@vgp/platform`); domain code gets time in its commands. */
export type Clock = () => Date;
