export * from "./audit";
export * from "./auth";
export * from "./merchants";
export * from "./terminals";
export * from "./values";
export * from "./devices";
export * from "./activations";
export * from "./firmware";
