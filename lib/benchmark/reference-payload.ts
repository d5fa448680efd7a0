import type { JsonObject } from './types';

/**
 * The event every benchmark invocation sends unless configured otherwise: the reference
 * benchmark's documented test payload (note the `pH` spelling, which both functions accept).
 * Frozen so no caller can change it for everyone by accident.
 */
export const REFERENCE_PAYLOAD: Readonly<JsonObject> = Object.freeze({
  fixed_acidity: 7.0,
  volatile_acidity: 0.3,
  citric_acid: 0.3,
  residual_sugar: 2.0,
  chlorides: 0.05,
  free_sulfur_dioxide: 30.0,
  total_sulfur_dioxide: 100.0,
  density: 0.995,
  pH: 3.3,
  sulphates: 0.6,
  alcohol: 10.5,
});
