/**
 * A tenant's run-time choice to turn prediction on or off (PUT /v1/prediction), kept in its store's
 * 'config' sublevel so it outlives a restart; a stored choice wins over generation.predict.enabled.
 */
export const PREDICT_CHOICE_KEY = 'predict!enabled';

interface ConfigStore {
  get<V>(name: 'config', key: string): Promise<V | undefined>;
  put(name: 'config', key: string, value: unknown): Promise<void>;
}

/** The stored choice, or undefined when none was made (or what is stored is not a boolean). */
export async function readPredictChoice(store: ConfigStore): Promise<boolean | undefined> {
  const v = await store.get<unknown>('config', PREDICT_CHOICE_KEY).catch(() => undefined);
  return typeof v === 'boolean' ? v : undefined;
}

export const writePredictChoice = (store: ConfigStore, enabled: boolean): Promise<void> =>
  store.put('config', PREDICT_CHOICE_KEY, enabled);
