/** The pins live with the file server, whose banner prints them; see docs/compatibility.md. */
export { onNode22, THIRD_PARTY } from '@portcullis/file-server';
