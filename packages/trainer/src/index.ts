export { stepsForTime, timeForSteps, TrainerInputError } from './time.js';
