// Object-by-object diff of two event sources (`scoutloop diff`): fields, rules, pairing, rendering.
export * from "./fields.js";
export * from "./rules.js";
export * from "./words.js";
export * from "./differ.js";
export * from "./stream.js";
export * from "./render.js";
export * from "./renumber.js";
