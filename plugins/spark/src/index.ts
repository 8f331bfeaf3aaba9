export { sparkPlugin } from "./plugin.js";
