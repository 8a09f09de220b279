<?php
// PHP's built-in server, in front of Debian's WordPress: every PHP request runs with ABSPATH at the
// test site's own folder, so WordPress reads the test's wp-config.php, not Debian's (which looks up
// /etc/wordpress/config-<host>.php). Static files are served as they are.
define( 'ABSPATH', rtrim( getenv( 'HW_WP_ROOT' ), '/' ) . '/' );
$path = rawurldecode( parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );
$file = ABSPATH . ltrim( $path, '/' );
if ( is_dir( $file ) ) {
	$file = rtrim( $file, '/' ) . '/index.php';
}
if ( is_file( $file ) && '.php' !== substr( $file, -4 ) ) {
	return false;
}
if ( ! is_file( $file ) ) {
	$file = ABSPATH . 'index.php'; // pretty permalinks: WordPress routes the path itself
}
$_SERVER['SCRIPT_FILENAME'] = $file;
$_SERVER['SCRIPT_NAME']     = '/' . substr( $file, strlen( ABSPATH ) );
$_SERVER['PHP_SELF']        = $_SERVER['SCRIPT_NAME'];
chdir( dirname( $file ) );
require $file;
