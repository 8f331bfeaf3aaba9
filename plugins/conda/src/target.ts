/** The conda target's name: its own module, so the plugin declares the target without loading the builder. */
export const TARGET = "conda";
