/** A spec field is missing or wrong. `field` is its path (e.g. `hiddenWidths[1]`). */
export class SpecError extends Error {
  readonly field: string;
  constructor(field: string, problem: string, fix: string) {
    super(`spec.${field}: ${problem}; ${fix}`);
    this.name = 'SpecError';
    this.field = field;
  }
}

/** A TF.js model holds a layer, activation or initialiser that this package cannot turn into a kernel. */
export class UnsupportedLayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedLayerError';
  }
}

/** Bad arguments to a kernel function (shapes, non-finite inputs). */
export class KernelInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelInputError';
  }
}
