/**
 * The bare name an error detail is about, for faces that name fields their own way: validation
 * details read "querystring:/Token" or "/CUSTOMER_NAME_EN/0", domain ones "/phone"; the body itself is "".
 */
export function detailFieldName(field: string): string {
  return field.replace(/^\w+:/, '').replace(/^\//, '').split('/')[0] ?? '';
}
