/**
 * Hardware in the loop: board protocol v1 (docs/board-protocol.md), ZeroMQ and serial
 * transports, the board client, board profiles and the board emulator.
 */
export * from "./protocol.js";
export * from "./codec.js";
export * from "./cobs.js";
export * from "./errors.js";
export * from "./transport.js";
export * from "./transport-zmq.js";
export * from "./transport-serial.js";
export * from "./profile.js";
export * from "./faults.js";
export * from "./client.js";
export * from "./emulator.js";
