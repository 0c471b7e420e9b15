import config from '@duality/eslint-config';

export default config;
