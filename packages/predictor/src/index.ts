export { PredictorInputError } from './errors.js';
export { checkedDescription, DESCRIPTION_FILE, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelDescription } from './description.js';
export { describeModel, loadPredictor, saveModel } from './folder.js';
export { Predictor, type Predictions } from './predictor.js';
