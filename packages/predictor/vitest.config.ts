import { packageTestConfig } from '@duality/vitest-config';

export default packageTestConfig('@duality/predictor');
